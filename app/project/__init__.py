"""The document: project, tracks, clips, keyframes (Qt-free), its file format, autosave, snapping and
its conversion to a job request. ``app.project.commands`` holds the Qt undo commands that edit it."""
