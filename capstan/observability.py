"""The one Logger, Tracer and Metrics of every Capstan function."""

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "capstan"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace="Capstan", service=SERVICE)
