"""Plain, typed facts about a synthesized stack: what every rule reads, built once per pass.

Facts come from ``TerraformStack.to_terraform()`` (the same resolved JSON that synth writes), so
rules see overrides, escape hatches and resources added by any construct, and can be tested on
plain dictionaries without jsii. References stay Terraform expressions (``${aws_kms_key.k.arn}``),
parsed by ``core.references``; ``StackFacts`` resolves them to the resources they name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The one reference parser (re-exported: the rules import these names from here).
from core.references import Ref as Ref
from core.references import refs_in as refs_in
from core.references import whole_ref as whole_ref

PROVIDER_PREFIX = "provider."
BACKEND_PREFIX = "backend."


def blocks(value: Any) -> list[Mapping[str, Any]]:
    """A nested block as a list of mappings (cdktf renders max-1 blocks as an object)."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, Mapping)]
    return []


def values_at(attrs: Mapping[str, Any], path: str) -> list[Any]:
    """Every value at a dotted path, descending through block lists (missing: [])."""
    current: list[Any] = [attrs]
    for part in path.split("."):
        nxt: list[Any] = []
        for item in current:
            for block in blocks(item):
                if part in block and block[part] is not None:
                    nxt.append(block[part])
        current = nxt
    return current


def value_at(attrs: Mapping[str, Any], path: str) -> Any:
    """The first value at a dotted path, or None."""
    found = values_at(attrs, path)
    return found[0] if found else None


def as_bool(value: Any) -> bool | None:
    """Terraform booleans arrive as bools or as "true"/"false" strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


@dataclass(frozen=True)
class ResourceFacts:
    """One resource (or provider, or backend) as synthesized.

    ``rtype`` is the Terraform type (``aws_s3_bucket``), ``provider.<name>`` or
    ``backend.<kind>``; ``name`` the logical id (the provider alias, or "" for the default).
    """

    rtype: str
    name: str
    path: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    taggable: bool = False

    @property
    def address(self) -> str:
        """The Terraform address exceptions match on: ``<type>.<logical id>``."""
        return f"{self.rtype}.{self.name}" if self.name else self.rtype

    def get(self, path: str) -> Any:
        return value_at(self.attrs, path)

    def all(self, path: str) -> list[Any]:
        return values_at(self.attrs, path)

    def flag(self, path: str) -> bool | None:
        return as_bool(self.get(path))

    @property
    def tags(self) -> dict[str, Any]:
        tags = self.attrs.get("tags")
        return dict(tags) if isinstance(tags, Mapping) else {}


@dataclass(frozen=True)
class StackFacts:
    """Every resource, data source, provider and the backend of one stack, with lookups."""

    stack_path: str
    resources: Mapping[str, ResourceFacts]  # by address
    data: Mapping[str, Mapping[str, Any]]  # "data.<type>.<name>" -> attributes
    providers: tuple[ResourceFacts, ...]
    backend: ResourceFacts | None
    required_tags: Mapping[str, str]

    def of_type(self, rtype: str) -> list[ResourceFacts]:
        return [r for r in self.resources.values() if r.rtype == rtype]

    def subjects(self) -> list[ResourceFacts]:
        """Everything a rule can be about, in a stable order."""
        items = [*self.providers, *([self.backend] if self.backend else [])]
        return items + sorted(self.resources.values(), key=lambda r: r.address)

    def resolve(self, value: Any) -> ResourceFacts | None:
        """The resource this stack holds that ``value`` references as a whole, if any."""
        ref = whole_ref(value)
        if ref is None or ref.data:
            return None
        return self.resources.get(ref.address)

    def referencing(self, rtype: str, attr: str, target: ResourceFacts) -> list[ResourceFacts]:
        """Resources of ``rtype`` whose ``attr`` references ``target``."""
        return [
            r
            for r in self.of_type(rtype)
            if any(ref.address == target.address for ref in refs_in(r.get(attr)))
        ]

    def is_our_key(self, value: Any) -> bool:
        """True when ``value`` is a reference to a customer-managed aws_kms_key of this stack."""
        ref = whole_ref(value)
        return (
            ref is not None
            and not ref.data
            and ref.rtype == "aws_kms_key"
            and ref.attribute in {"arn", "key_id", "id"}
            and ref.address in self.resources
        )

    def provider_of(self, resource: ResourceFacts) -> ResourceFacts | None:
        """The provider configuration a resource uses ("aws.<alias>" or the default)."""
        wanted = resource.attrs.get("provider")
        ptype = "provider." + (resource.rtype.split("_", 1)[0] if "_" in resource.rtype else "aws")
        alias = ""
        if isinstance(wanted, str) and "." in wanted:
            ptype, alias = PROVIDER_PREFIX + wanted.split(".", 1)[0], wanted.split(".", 1)[1]
        return next((p for p in self.providers if p.rtype == ptype and p.name == alias), None)

    def region_of(self, resource: ResourceFacts) -> str | None:
        """Where a resource lives: its own ``region`` argument, else its provider's region."""
        own = resource.attrs.get("region")
        if isinstance(own, str):
            return own
        provider = self.provider_of(resource)
        region = provider.attrs.get("region") if provider else None
        return region if isinstance(region, str) else None

    def data_source(self, value: Any) -> Mapping[str, Any] | None:
        ref = whole_ref(value)
        if ref is None or not ref.data:
            return None
        return self.data.get(ref.address)


def _meta_path(body: Mapping[str, Any], fallback: str) -> str:
    meta = body.get("//", {})
    path = meta.get("metadata", {}).get("path") if isinstance(meta, Mapping) else None
    return path if isinstance(path, str) else fallback


def _clean(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "//"}


def stack_facts(
    tf: Mapping[str, Any],
    stack_path: str,
    required_tags: Mapping[str, str],
    taggable_types: frozenset[str],
) -> StackFacts:
    """Build the facts from a resolved ``to_terraform()`` document (or a parsed cdk.tf.json)."""
    resources: dict[str, ResourceFacts] = {}
    for rtype, items in (tf.get("resource") or {}).items():
        for name, body in items.items():
            facts = ResourceFacts(
                rtype,
                name,
                _meta_path(body, f"{stack_path}/{name}"),
                _clean(body),
                taggable=rtype in taggable_types,
            )
            resources[facts.address] = facts
    data: dict[str, Mapping[str, Any]] = {}
    for dtype, items in (tf.get("data") or {}).items():
        for name, body in items.items():
            data[f"data.{dtype}.{name}"] = _clean(body)
    providers: list[ResourceFacts] = []
    for pname, configs in (tf.get("provider") or {}).items():
        for config in as_list(configs):
            alias = str(config.get("alias") or "")
            providers.append(
                ResourceFacts(
                    PROVIDER_PREFIX + pname, alias, f"{stack_path}/provider.{pname}", dict(config)
                )
            )
    backend = None
    for kind, config in ((tf.get("terraform") or {}).get("backend") or {}).items():
        backend = ResourceFacts(BACKEND_PREFIX + kind, "", f"{stack_path}/backend", dict(config))
    return StackFacts(stack_path, resources, data, tuple(providers), backend, dict(required_tags))
