"""moto's server on loopback, and the real AWS CLI pointed at it: describe output as a user saves it.

    with MotoServer() as server:
        ec2 = server.client("ec2", "eu-west-2")          # boto3 against the server, to build a network
        ec2.create_vpc(CidrBlock="10.0.0.0/16")
        server.aws("ec2", "describe-vpcs", region="eu-west-2", out=folder / "vpcs.json")

`aws` runs `python -m awscli` (the `awscli` package from PyPI) exactly as a user would type
`aws ec2 describe-vpcs --output json > vpcs.json`, with `--endpoint-url` added. Credentials are
fixed test values in the environment of each call; the user's ~/.aws is never read (the config
and credential files point at files that do not exist). The server is stopped on exit, also when
the body raises.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing"}
START_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_aws_environment(home: Path | None = None) -> dict[str, str]:
    """The process environment with test credentials and no path to the user's AWS config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    missing = str((home or Path("/nonexistent")) / "vpcemu-test-no-aws-config")
    env.update(TEST_CREDENTIALS, AWS_CONFIG_FILE=missing, AWS_SHARED_CREDENTIALS_FILE=missing,
               AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="", NO_PROXY="127.0.0.1,localhost")
    return env


class MotoServer:
    """A moto server process on 127.0.0.1, for the length of a `with` block."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.env = isolated_aws_environment()

    def __enter__(self) -> "MotoServer":
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env)
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=2):
                    return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"moto's server did not start on {self.url}") from None
                time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def reset(self) -> None:
        """Forget every resource (moto's own reset call), so one server can serve several tests."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def client(self, service: str, region: str, **credentials):
        import boto3

        keys = {k.lower(): v for k, v in TEST_CREDENTIALS.items()}
        keys.update(credentials)
        return boto3.client(service, region_name=region, endpoint_url=self.url, **keys)

    def aws(self, *command: str, region: str, out: Path | None = None) -> str:
        """Run the AWS CLI against the server; its JSON stdout is written to `out` as a shell would."""
        argv = [sys.executable, "-m", "awscli", *command, "--region", region, "--output", "json",
                "--endpoint-url", self.url]
        done = subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"aws {' '.join(command)} failed: {done.stderr.strip()}")
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(done.stdout)
        return done.stdout
