"""Exchange: the network of platform nodes (province, cities, county branches) and, later, data exchange."""
