"""Fetch media with yt-dlp or plain HTTP into a resumable, verified download store."""
