"""Hot-path designs for Faust agents, measured against the raw loop (`--group prototypes`)."""
