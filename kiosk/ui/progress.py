"""The step indicator's count, kept in flows/progress.py (headless, testable without Kivy);
named here for the screens."""

from __future__ import annotations

from flows.progress import FORWARD_EVENTS, main_path, step_counter, step_position

__all__ = ["FORWARD_EVENTS", "main_path", "step_counter", "step_position"]
