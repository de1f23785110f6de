"""Analysis stage: agglomeration measures, isochrones and the analytics of issue 20."""
