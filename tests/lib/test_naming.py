"""Naming: every accepted suffix yields names AWS accepts for every service; every rejected one
gets an error naming the field, the value and the rule.

The per-service rules below are written from the AWS documentation independently of
``lib.naming.SERVICE_RULES``: restating naming's own regexes would only test them against
themselves.
"""

from __future__ import annotations

import ipaddress
import os
import re
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lib.naming import (
    ACCOUNT_ID_PLACEHOLDER,
    COMPONENTS,
    SUFFIX_MAX_LEN,
    Namer,
    NamingError,
    Service,
    check_name,
    validate_suffix,
)
from tests.conftest import PROJECT_ROOT


def _fullmatch(pattern: str, min_len: int, max_len: int) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda name: min_len <= len(name) <= max_len and bool(compiled.fullmatch(name))


def _s3_bucket(name: str) -> bool:
    """S3 general purpose bucket naming rules (S3 User Guide, "Bucket naming rules")."""
    try:
        ipaddress.IPv4Address(name)
        return False
    except ValueError:
        pass
    return (
        3 <= len(name) <= 63
        and re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name) is not None
        and ".." not in name
        and "." not in name  # ours: dots break TLS for virtual-hosted-style requests
        and not name.startswith(("xn--", "sthree-", "amzn-s3-demo-"))
        and not name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"))
    )


def _rds(name: str) -> bool:
    """DB cluster/instance identifiers, parameter and subnet groups: a letter first, then
    letters, digits and hyphens, no two hyphens in a row, no trailing hyphen, max 63."""
    return (
        _fullmatch(r"[a-z][a-z0-9-]*", 1, 63)(name) and "--" not in name and not name.endswith("-")
    )


def _kms_alias(name: str) -> bool:
    alias = f"alias/{name}"
    return _fullmatch(r"alias/[A-Za-z0-9/_-]+", 7, 256)(alias) and not alias.startswith(
        "alias/aws/"
    )


def _cloudtrail(name: str) -> bool:
    return (
        _fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]", 3, 128)(name)
        and re.search(r"[._-]{2}", name) is None
    )


def _ecr(name: str) -> bool:
    segment = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
    return _fullmatch(rf"(?:{segment}/)*{segment}", 2, 256)(name)


# Service -> the test's own reading of AWS' rules for the names we build.
AWS_ACCEPTS: dict[Service, Callable[[str], bool]] = {
    Service.S3: _s3_bucket,
    Service.KINESIS: _fullmatch(r"[A-Za-z0-9_.-]+", 1, 128),
    Service.RDS: _rds,
    Service.SECRETS: _fullmatch(r"[A-Za-z0-9/_+=.@-]+", 1, 512),
    Service.SQS: _fullmatch(r"[A-Za-z0-9_-]+", 1, 80),
    Service.SNS: _fullmatch(r"[A-Za-z0-9_-]+", 1, 256),
    Service.LOGS: _fullmatch(r"[A-Za-z0-9_/.#-]+", 1, 512),
    Service.IAM_ROLE: _fullmatch(r"[A-Za-z0-9+=,.@_-]+", 1, 64),
    Service.IAM_POLICY: _fullmatch(r"[A-Za-z0-9+=,.@_-]+", 1, 128),
    Service.KMS_ALIAS: _kms_alias,
    Service.ECS: _fullmatch(r"[A-Za-z0-9_-]+", 1, 255),
    Service.ECR: _ecr,
    Service.CLOUDTRAIL: _cloudtrail,
    # Alarms, dashboards, metric filters and scaling policies: the strictest of them (dashboards).
    Service.CLOUDWATCH: _fullmatch(r"[A-Za-z0-9_-]+", 1, 255),
    Service.EVENTS: _fullmatch(r"[A-Za-z0-9_.-]+", 1, 64),
    Service.EC2: lambda n: (
        _fullmatch(r"[A-Za-z0-9 ._:/()#,@\[\]+=&;{}!$*-]+", 1, 255)(n) and not n.startswith("sg-")
    ),
    # Vaults ([A-Za-z0-9_-]{2,50}), plans and selections (1-50, may add dots): the intersection.
    Service.BACKUP: _fullmatch(r"[A-Za-z0-9_-]+", 2, 50),
}

LOWER_ALNUM = string.ascii_lowercase + string.digits


@st.composite
def valid_suffixes(draw: st.DrawFn) -> str:
    """Suffixes the documented rule allows: a letter, then letters, digits and single hyphens,
    not ending with a hyphen, at most SUFFIX_MAX_LEN characters."""
    length = draw(st.integers(1, SUFFIX_MAX_LEN))
    chars = [draw(st.sampled_from(string.ascii_lowercase))]
    while len(chars) < length:
        room_for_hyphen = chars[-1] != "-" and length - len(chars) >= 2
        if room_for_hyphen and draw(st.booleans()):
            chars.append("-")
        else:
            chars.append(draw(st.sampled_from(LOWER_ALNUM)))
    return "".join(chars)


def _insert(text: str, index: int, piece: str) -> str:
    index %= len(text) + 1
    return text[:index] + piece + text[index:]


# Each family of bad suffixes, with the words the error must contain.
REJECTED: dict[str, tuple[st.SearchStrategy[str], str]] = {
    "empty": (st.just(""), "must not be empty"),
    "too long": (
        st.text(LOWER_ALNUM, min_size=SUFFIX_MAX_LEN + 1, max_size=60).map(lambda s: "a" + s),
        f"at most {SUFFIX_MAX_LEN} characters",
    ),
    "uppercase": (
        st.tuples(
            valid_suffixes(), st.integers(0, 20), st.sampled_from(string.ascii_uppercase)
        ).map(lambda t: _insert(t[0][: SUFFIX_MAX_LEN - 1], t[1], t[2])),
        "lowercase",
    ),
    "bad characters": (
        st.tuples(
            valid_suffixes(),
            st.integers(0, 20),
            st.sampled_from("_.@/ :+=#!$*()[]{}äé\t"),
        ).map(lambda t: _insert(t[0][: SUFFIX_MAX_LEN - 1], t[1], t[2])),
        "lowercase letters, digits and single hyphens",
    ),
    "double hyphen": (
        st.tuples(valid_suffixes(), valid_suffixes())
        .map(lambda t: (t[0] + "--" + t[1])[:SUFFIX_MAX_LEN])
        .filter(lambda s: "--" in s),
        "single hyphens",
    ),
    "trailing hyphen": (
        valid_suffixes().map(lambda s: s[: SUFFIX_MAX_LEN - 1] + "-"),
        "not ending in a hyphen",
    ),
    "leading digit or hyphen": (
        st.tuples(st.sampled_from("0123456789-"), valid_suffixes()).map(
            lambda t: (t[0] + t[1])[:SUFFIX_MAX_LEN]
        ),
        "start with a lowercase letter",
    ),
}


def test_every_component_service_has_an_independent_rule() -> None:
    assert set(COMPONENTS.values()) <= set(AWS_ACCEPTS), "write the AWS rule for the new service"


@given(suffix=valid_suffixes())
@example(suffix="a" * SUFFIX_MAX_LEN)
@example(suffix="a-" * (SUFFIX_MAX_LEN // 2 - 1) + "aa")
@example(suffix="z9")
def test_every_accepted_suffix_yields_valid_names_for_every_service(suffix: str) -> None:
    assert validate_suffix(suffix) == suffix
    namer = Namer(suffix)
    invalid = {
        component: namer.name(component)
        for component, service in COMPONENTS.items()
        if not AWS_ACCEPTS[service](namer.name(component))
    }
    assert invalid == {}


@given(suffix=valid_suffixes(), component=st.sampled_from(sorted(COMPONENTS)))
def test_names_follow_the_pattern_and_s3_names_carry_the_account(
    suffix: str, component: str
) -> None:
    name = Namer(suffix).name(component)
    if COMPONENTS[component] is Service.S3:
        assert name == f"streamflix-{component}-{ACCOUNT_ID_PLACEHOLDER}-{suffix}"
    else:
        assert name == f"streamflix-{component}-{suffix}"


@pytest.mark.parametrize("family", sorted(REJECTED))
def test_every_rejected_suffix_gets_an_error_naming_field_value_and_rule(family: str) -> None:
    strategy, words = REJECTED[family]

    @given(suffix=strategy)
    def check(suffix: str) -> None:
        with pytest.raises(NamingError) as caught:
            validate_suffix(suffix)
        err = caught.value
        assert (err.field, err.value) == ("ENVIRONMENT_SUFFIX", suffix)
        assert words in err.rule
        assert str(err).startswith(f"ENVIRONMENT_SUFFIX={suffix!r}: ")
        with pytest.raises(NamingError):
            Namer(suffix)

    check()


@given(text=st.text(max_size=SUFFIX_MAX_LEN + 4))
def test_any_text_is_either_accepted_with_valid_names_or_refused_with_the_error(text: str) -> None:
    try:
        validate_suffix(text)
    except NamingError as err:
        assert err.field == "ENVIRONMENT_SUFFIX" and err.value == text and err.rule
        return
    namer = Namer(text)
    assert all(AWS_ACCEPTS[s](namer.name(c)) for c, s in COMPONENTS.items())


def test_unregistered_component_is_refused() -> None:
    with pytest.raises(NamingError) as caught:
        Namer("dev").name("no-such-component")
    assert str(caught.value) == (
        "component='no-such-component': is not registered in lib.naming.COMPONENTS"
    )
    assert (caught.value.field, caught.value.value) == ("component", "no-such-component")


def test_an_empty_suffix_is_refused_with_exactly_that_rule() -> None:
    with pytest.raises(NamingError) as caught:
        validate_suffix("")
    assert (caught.value.field, caught.value.value, caught.value.rule) == (
        "ENVIRONMENT_SUFFIX",
        "",
        "must not be empty",
    )


def test_kms_alias_and_label_forms() -> None:
    namer = Namer("dev")
    assert namer.alias("data-key") == "alias/streamflix-data-key-dev"
    assert namer.label("private-a") == "streamflix-private-a-dev"


def test_a_component_too_long_for_its_service_makes_every_suffix_fail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The suffix check covers the registry: a component that cannot fit is caught at once."""
    monkeypatch.setitem(COMPONENTS, "x" * 60, Service.IAM_ROLE)
    with pytest.raises(NamingError, match=r"yields an invalid name for x+"):
        validate_suffix("dev")


def _run_main(env_overrides: dict[str, str], outdir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMFLIX_")}
    env.update(env_overrides, CDKTF_OUTDIR=str(outdir))
    return subprocess.run(
        [sys.executable, "main.py"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"ENVIRONMENT_SUFFIX": "BAD"}, "ENVIRONMENT_SUFFIX='BAD': must start with a lowercase"),
        ({"ENVIRONMENT_SUFFIX": ""}, "ENVIRONMENT_SUFFIX='': must not be empty"),
        (
            {"ENVIRONMENT_SUFFIX": "qa1", "STREAMFLIX_REGION": "us-east-1"},
            "STREAMFLIX_REGION='us-east-1': is not one of the choices; allowed: one of eu-central-1",
        ),
    ],
)
def test_main_refuses_bad_input_with_the_rule_and_writes_nothing(
    overrides: dict[str, str], expected: str, tmp_path: Path
) -> None:
    outdir = tmp_path / "cdktf.out"
    result = _run_main(overrides, outdir)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not outdir.exists()


# Exact boundaries. The lengths come from the test's own AWS rules above (AWS_ACCEPTS), never
# from lib.naming, so a changed limit or an off-by-one comparison in naming is seen.
def _aws_lengths(service: Service) -> range:
    """The name lengths AWS accepts for ``service`` (all-letter names: valid for every service)."""
    accepted = [n for n in range(1, 600) if AWS_ACCEPTS[service]("a" * n)]
    assert accepted == list(range(accepted[0], accepted[-1] + 1)), f"{service}: not one range"
    return range(accepted[0], accepted[-1] + 1)


@pytest.mark.parametrize("service", list(Service), ids=lambda s: s.value)
def test_check_name_agrees_with_aws_at_every_length_to_one_past_the_maximum(
    service: Service,
) -> None:
    lengths = _aws_lengths(service)
    disagree = []
    for n in range(1, lengths.stop + 1):
        try:
            check_name("a" * n, service)
            accepted = True
        except NamingError as err:
            assert (err.field, err.value) == ("name", "a" * n)
            assert err.rule.startswith(f"not a valid {service.value} name: ")
            accepted = False
        if accepted != (n in lengths):
            disagree.append(n)
    assert disagree == [], f"{service.value}: AWS accepts lengths {lengths}, naming differs at"


def test_a_suffix_of_exactly_12_characters_is_the_longest_accepted() -> None:
    assert validate_suffix("a" * 12) == "a" * 12
    with pytest.raises(NamingError, match=r"must be at most 12 characters$"):
        validate_suffix("a" * 13)


@pytest.mark.parametrize("service", [Service.BACKUP, Service.IAM_ROLE, Service.S3])
def test_a_component_that_fills_its_service_maximum_exactly_is_accepted_one_more_is_not(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the longest suffix, a component whose name is exactly the service's maximum length
    (S3: with the 12-digit account id) passes the suffix check; one character more fails it."""
    suffix = "a" * 12
    fixed = len(f"streamflix--{suffix}") + (len(ACCOUNT_ID_PLACEHOLDER) + 1) * (
        service is Service.S3
    )
    fits = "x" * (_aws_lengths(service).stop - 1 - fixed)
    monkeypatch.setitem(COMPONENTS, fits, service)
    namer = Namer(suffix)
    assert len(namer.name(fits)) == _aws_lengths(service).stop - 1
    monkeypatch.setitem(COMPONENTS, fits + "x", service)
    with pytest.raises(NamingError) as caught:
        namer.name(fits + "x")  # registered after the suffix check: Namer.name checks too
    assert caught.value.field == "name"
    with pytest.raises(NamingError) as caught:
        validate_suffix(suffix)
    assert (caught.value.field, caught.value.value) == ("ENVIRONMENT_SUFFIX", suffix)
    assert caught.value.rule.startswith(f"yields an invalid name for {fits}x: not a valid ")


def test_labels_are_checked_as_ec2_name_tags() -> None:
    namer = Namer("dev")
    longest = "x" * (255 - len("streamflix--dev"))
    assert namer.label(longest) == f"streamflix-{longest}-dev"
    for text in (longest + "x", "private\na"):
        with pytest.raises(NamingError) as caught:
            namer.label(text)
        assert (caught.value.field, caught.value.value) == ("Name tag", f"streamflix-{text}-dev")
        assert "not a valid ec2 name" in caught.value.rule
