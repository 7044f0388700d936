"""The local stack, built from template.yaml.

Tests and the local server create their moto tables and queues from the SAM
template, so the mocks cannot drift from the infrastructure: a key, index,
TTL or queue setting changed in template.yaml changes the local stack too,
and a table or queue added there must be given a name here (KeyError
otherwise).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "template.yaml"

TABLE_TYPE = "AWS::DynamoDB::Table"
QUEUE_TYPE = "AWS::SQS::Queue"


# ------------------------------------------------------------- loading ---


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short-form tags (!Ref, !Sub, ...).

    Each tag becomes its long form: `!Ref X` -> {"Ref": "X"},
    `!Condition X` -> {"Condition": "X"}, `!GetAtt A.B` -> {"Fn::GetAtt":
    ["A", "B"]}, and any other `!Name v` -> {"Fn::Name": v}.
    """


def _construct_cfn_tag(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _construct_cfn_tag)


@functools.lru_cache(maxsize=8)
def _parse(path: Path, _mtime_ns: int) -> dict[str, Any]:
    # _mtime_ns is part of the cache key only: an edited template is re-read.
    # What yaml.load(f, Loader=CfnLoader) does, written out so linters that
    # flag yaml.load see that the loader is a SafeLoader.
    with path.open(encoding="utf-8") as f:
        loader = CfnLoader(f)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()


def load_template(path: str | Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as a dict (parsed once per file version; a fresh copy each call)."""
    resolved = Path(path).resolve()
    return copy.deepcopy(_parse(resolved, resolved.stat().st_mtime_ns))


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource, for every resource of that type, in template order."""
    return {
        logical_id: resource
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == resource_type
    }


def resource_env_vars(template: dict[str, Any], resource_type: str) -> dict[str, str]:
    """Logical id -> name of the environment variable that carries `!Ref <id>`.

    Looks at Globals.Function first, then at each function's own variables,
    so a resource only one function uses (e.g. a queue) is found too.
    """
    wanted = resources_of_type(template, resource_type)
    sources = [template.get("Globals", {}).get("Function", {})]
    sources += [
        resource.get("Properties", {}) for resource in resources_of_type(template, "AWS::Serverless::Function").values()
    ]
    found: dict[str, str] = {}
    for properties in sources:
        variables = (properties.get("Environment") or {}).get("Variables") or {}
        for env_name, value in variables.items():
            ref = value.get("Ref") if isinstance(value, dict) else None
            if ref in wanted and ref not in found:
                found[ref] = env_name
    return found


def table_env_vars(template: dict[str, Any]) -> dict[str, str]:
    """e.g. {"EntriesTable": "ENTRIES_TABLE", "SettingsTable": "SETTINGS_TABLE", ...}"""
    return resource_env_vars(template, TABLE_TYPE)


def queue_env_vars(template: dict[str, Any]) -> dict[str, str]:
    """Logical id -> env var holding the queue URL (`!Ref Queue` is its URL)."""
    return resource_env_vars(template, QUEUE_TYPE)


# -------------------------------------------------------------- tables ---


def _check_names(kind: str, logical_ids: dict[str, Any], names: dict[str, str]) -> None:
    missing = sorted(set(logical_ids) - set(names))
    if missing:
        raise KeyError(f"no name given for {kind} {', '.join(missing)} of template.yaml")
    unknown = sorted(set(names) - set(logical_ids))
    if unknown:
        raise KeyError(f"{', '.join(unknown)}: not a {kind} in template.yaml")


def _literal(logical_id: str, key: str, value: Any) -> Any:
    """Refuse intrinsics (!If, !Ref, ...) where the local stack needs a plain value."""
    if isinstance(value, dict) and len(value) == 1:
        (only_key,) = value
        if only_key == "Ref" or only_key.startswith("Fn::"):
            raise ValueError(f"{logical_id}.{key}: the local stack cannot resolve {only_key}")
    return value


def _index(index: dict[str, Any], billing_mode: str) -> dict[str, Any]:
    out = {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
    if billing_mode == "PROVISIONED" and "ProvisionedThroughput" in index:
        out["ProvisionedThroughput"] = index["ProvisionedThroughput"]
    return out


def create_table_kwargs(logical_id: str, properties: dict[str, Any], name: str) -> dict[str, Any]:
    """The create_table arguments for one AWS::DynamoDB::Table's Properties."""
    used = (
        "BillingMode",
        "KeySchema",
        "AttributeDefinitions",
        "ProvisionedThroughput",
        "LocalSecondaryIndexes",
        "GlobalSecondaryIndexes",
        "StreamSpecification",
    )
    props = {k: _literal(logical_id, k, properties[k]) for k in used if k in properties}
    billing_mode = props.get("BillingMode", "PROVISIONED")
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": billing_mode,
    }
    if billing_mode == "PROVISIONED":
        kwargs["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    for key in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        if props.get(key):
            kwargs[key] = [_index(index, billing_mode) for index in props[key]]
    if "StreamSpecification" in props:
        kwargs["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": props["StreamSpecification"]["StreamViewType"],
        }
    return kwargs


def create_tables(dynamodb_client: Any, names: dict[str, str], template: dict[str, Any] | None = None) -> None:
    """Create every DynamoDB table of the template under the given physical names.

    `names` maps each table's logical id to its name; a table of the template
    without a name (or a name for no table) raises KeyError.
    """
    template = template if template is not None else load_template()
    tables = resources_of_type(template, TABLE_TYPE)
    _check_names("table", tables, names)
    for logical_id, resource in tables.items():
        properties = resource.get("Properties", {})
        name = names[logical_id]
        dynamodb_client.create_table(**create_table_kwargs(logical_id, properties, name))
        ttl = properties.get("TimeToLiveSpecification") or {}
        if ttl.get("Enabled") is True:
            dynamodb_client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "Enabled": True,
                    "AttributeName": ttl["AttributeName"],
                },
            )


# -------------------------------------------------------------- queues ---

# CloudFormation property names that SQS takes as attributes of the same name.
_QUEUE_ATTRIBUTES = (
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
)


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _dead_letter_source(redrive: dict[str, Any] | None) -> str | None:
    """Logical id of the queue a RedrivePolicy's `!GetAtt X.Arn` points to."""
    target = (redrive or {}).get("deadLetterTargetArn")
    if isinstance(target, dict) and "Fn::GetAtt" in target:
        ref = target["Fn::GetAtt"]
        logical_id, attribute = ref.split(".", 1) if isinstance(ref, str) else ref
        if attribute != "Arn":
            raise ValueError(f"deadLetterTargetArn: expected !GetAtt {logical_id}.Arn")
        return logical_id
    return None


def create_queues(sqs_client: Any, names: dict[str, str], template: dict[str, Any] | None = None) -> dict[str, str]:
    """Create every SQS queue of the template; return logical id -> queue URL.

    Dead-letter queues are created first, so a RedrivePolicy's
    `!GetAtt Dlq.Arn` resolves to the local DLQ's ARN. FIFO queue names get
    their required `.fifo` suffix if the given name lacks it.
    """
    template = template if template is not None else load_template()
    queues = resources_of_type(template, QUEUE_TYPE)
    _check_names("queue", queues, names)
    urls: dict[str, str] = {}
    arns: dict[str, str] = {}
    pending = dict(queues)
    while pending:
        ready = {
            logical_id: resource
            for logical_id, resource in pending.items()
            if _dead_letter_source(resource.get("Properties", {}).get("RedrivePolicy")) in (None, *arns)
        }
        if not ready:
            raise ValueError(f"unresolvable RedrivePolicy targets among {', '.join(sorted(pending))}")
        for logical_id, resource in ready.items():
            raw = resource.get("Properties", {})
            properties = {k: _literal(logical_id, k, raw[k]) for k in (*_QUEUE_ATTRIBUTES, "RedrivePolicy") if k in raw}
            name = names[logical_id]
            if properties.get("FifoQueue") is True and not name.endswith(".fifo"):
                name += ".fifo"
            attributes = {k: _attribute(properties[k]) for k in _QUEUE_ATTRIBUTES if k in properties}
            redrive = properties.get("RedrivePolicy")
            if redrive:
                redrive = dict(redrive)
                source = _dead_letter_source(redrive)
                if source is not None:
                    redrive["deadLetterTargetArn"] = arns[source]
                attributes["RedrivePolicy"] = json.dumps(redrive)
            url = sqs_client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            urls[logical_id] = url
            arns[logical_id] = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            del pending[logical_id]
    return urls
