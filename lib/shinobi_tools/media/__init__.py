"""Video files: frame-exact mp4 writing, frame ranges and resampling, PNG frames and GIFs."""
