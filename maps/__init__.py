"""Folium maps of drive times: offline assets, a headless-browser harness, the maps."""
