"""Wire formats of the position clients: OsmAnd/Traccar, OwnTracks and our own JSON."""
