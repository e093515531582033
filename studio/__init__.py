"""Fangtan Studio core and live room: accounts, interviews, events, live feed, cue cards, OBS."""
