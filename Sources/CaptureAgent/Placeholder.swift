enum _PlaceholderCaptureAgent {}
