"""What the emulator reports: traces (and, as they land, captures, flow logs, costs, diagrams)."""
from .trace import Hop, Trace

__all__ = ["Hop", "Trace"]
