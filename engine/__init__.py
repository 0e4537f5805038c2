"""NoiseLoom engine: the headless process that validates, queues and runs jobs on local devices."""

__version__ = "0.1.0"
