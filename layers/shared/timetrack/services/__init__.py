"""Use cases. They take repositories and a clock; they never import boto3."""
