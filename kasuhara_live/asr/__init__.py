"""Speech recognition: the embedded model store, the Whisper engine and the streaming policy."""
