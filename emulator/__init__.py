"""vpcemu: forward real packets through an emulated AWS VPC network, and say why at every hop.

    import emulator
    net = emulator.load("topologies/seed-endpoints.yaml")
    trace = net.trace_flow("app-private-a", "s3.eu-west-2.amazonaws.com")
    print(trace.render())
"""
from .api import Network, load
from .record.trace import Hop, Trace

__all__ = ["Network", "load", "Hop", "Trace"]
