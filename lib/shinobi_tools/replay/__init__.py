"""Stage 2: bk2 replays (reading, emulation, recording) into frame-exact videos and per-frame states tables."""
