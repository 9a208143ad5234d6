"""Notifications (apprise) and escalation of waits nobody answers."""

from golive.notify.notifier import Notifier, TickingClock, escalate_runs, message_for, user_config_path
from golive.notify.send import AppriseSender, Delivery, Sender

__all__ = ["AppriseSender", "Delivery", "Notifier", "Sender", "TickingClock", "escalate_runs", "message_for",
           "user_config_path"]
