"""The live text feed (图文直播): entries, photos, history."""
