"""Persistence: the only package that talks to AWS (boto3 low-level clients).

It maps ``ClientError`` codes to domain errors and items to domain models.
"""
