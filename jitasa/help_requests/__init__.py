"""Help requests (SOS): from the red button to "resolved", with a timeline of every change."""
