"""Audio in: file and live sources, and voice-activity segmentation."""
