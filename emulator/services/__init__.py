"""What lives outside the VPCs: AWS's public service address space and the VPC resolver."""
