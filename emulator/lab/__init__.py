"""The namespace lab (issue 6): real Linux hosts whose network is the emulated AWS topology.

`vpcemu lab up TOPOLOGY` starts an emulator process (daemon.py) that gives every running
instance, interface endpoint ENI, public AWS service and the internet a network namespace with
a TAP interface (plan.py, hostnet.py), and forwards every frame between them through the same
pipeline as `trace` (engine.py). names.py says how its namespaces and devices are named so that
`lab clean` finds what a crashed lab left.
"""
