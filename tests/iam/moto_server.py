"""An S3 / Secrets Manager / IAM endpoint (moto) that enforces IAM the way AWS does for the
policies our templates write.

moto checks every request's action and resource against the caller's policies once
authorization is switched on (POST /moto-api/reset-auth with 0, or INITIAL_NO_AUTH_ACTION_COUNT).
Seven gaps matter for our roles, and this launcher closes them before starting moto's server:

1. Conditions: moto evaluates only StringEquals, and with no request values at all, so an
   `s3:prefix` condition never restricts anything. Here ListBucket requests carry their
   `s3:prefix`, StringLike / StringEquals are evaluated on it, and a condition on a key the
   request does not carry does not match (as in AWS).
2. A statement whose condition does not match counts as an explicit deny in moto; in AWS it
   simply does not apply. Here it does not apply.
3. Permissions boundaries: moto ignores them. Here a role's boundary must allow the action too.
4. A missing object: S3 answers 404 only to callers that may list the bucket, 403 to others;
   moto always answers 404. Here the rule applies, and only a ListBucket grant without an
   s3:prefix condition counts (a GET or HEAD carries no prefix for the condition to match).
5. Action names are compared case-insensitively, as in IAM (moto spells some in lower case).
6. Secrets Manager calls are authorized against the secret's ARN (moto uses "*", so no
   policy naming a secret would ever allow anything).
7. Presigned URLs (query-string signatures) have no Authorization header, which moto's
   authorizer needs; here the signer's access key is read from X-Amz-Credential and its
   policies decide. (The URL's signature itself is not re-verified: what is tested is what the
   signer may do.)

Usage: python tests/iam/moto_server.py -H 127.0.0.1 -p PORT
"""

from __future__ import annotations

import fnmatch
import json
import sys
import threading
from urllib.parse import parse_qs, urlparse

from moto.core import authorization
from moto.iam import access_control, policy_conditions
from moto.iam.access_control import PermissionResult
from moto.utilities.utils import get_partition


def _string_like(expected, actual: str) -> bool:
    patterns = expected if isinstance(expected, list) else [expected]
    # IAM wildcards: * any run of characters, ? one character; no character classes.
    return any(fnmatch.fnmatchcase(actual, p.replace("[", "[[]")) for p in patterns)


policy_conditions.CONDITION_OPERATIONS["StringLike"] = _string_like


def _verify_condition(self, actual_values: list) -> bool:
    verify = policy_conditions.CONDITION_OPERATIONS.get(self._condition)
    if verify is None:
        return True
    # Every key of the condition must be present in the request and match.
    if len(actual_values) < len(self._expected_value):
        return False
    return all(verify(e, a) for e, a in zip(self._expected_value, actual_values))


policy_conditions.TrustCondition.verify_condition = _verify_condition


def _request_conditions(self) -> dict:
    values = {}
    query = parse_qs(urlparse(self._path).query, keep_blank_values=True)
    if self._action == "s3:ListBucket" and "prefix" in query:
        values["s3:prefix"] = query["prefix"][0]
    return values


_original_statement_check = access_control.IAMPolicyStatement.is_action_permitted


def _statement_check(self, action, resource="*", principal=None, incoming_condition_values=None):
    if incoming_condition_values is None:
        incoming_condition_values = getattr(_CURRENT, "values", None) or {}
    result = _original_statement_check(self, action, resource, principal, incoming_condition_values)
    if (result == PermissionResult.DENIED and self._statement.get("Effect") == "Allow"
            and not self._check_conditions(incoming_condition_values)):
        return PermissionResult.NEUTRAL
    return result


access_control.IAMPolicyStatement.is_action_permitted = _statement_check

_original_element = access_control.IAMPolicyStatement._check_element_matches


def _element_matches(self, element: str, value: str) -> bool:
    # Action names are case-insensitive in IAM; moto names some REST actions in lower case
    # ("batch:describejobs").
    if element in ("Action", "NotAction"):
        patterns = self._statement[element]
        patterns = patterns if isinstance(patterns, list) else [patterns]
        return any(self._match(p.lower(), value.lower()) for p in patterns)
    return _original_element(self, element, value)


access_control.IAMPolicyStatement._check_element_matches = _element_matches


# The request being authorized (moto's server answers requests on several threads).
_CURRENT = threading.local()
_original_check = access_control.IAMRequestBase.check_action_permitted


def _boundary(self) -> str | None:
    """The permissions boundary document of the role behind assumed-role credentials."""
    if not isinstance(self._access_key, access_control.AssumedRoleAccessKey):
        return None
    role = self.backend.get_role(self._access_key._owner_role_name)
    if not role.permissions_boundary_arn:
        return None
    return self.backend.get_policy(role.permissions_boundary_arn)


def _allowed(self, action: str, resource: str, conditions: dict) -> None:
    """Raises AccessDenied unless the caller's policies, and its boundary if any, allow it."""
    saved, self._action = self._action, action
    _CURRENT.values = conditions
    try:
        _original_check(self, resource)
        # A permissions boundary caps what the role's own policies grant: the action must be
        # allowed by both (moto ignores boundaries).
        boundary = _boundary(self)
        if boundary is not None and (
            access_control.IAMPolicy(boundary).is_action_permitted(action, resource)
            != PermissionResult.PERMITTED
        ):
            self._raise_access_denied()
    finally:
        self._action = saved
        _CURRENT.values = None


def _missing_object(self, resource: str) -> str | None:
    """The bucket's ARN when `resource` is an object that does not exist."""
    from moto.s3.models import s3_backends

    path = resource.split(":::", 1)[1] if ":s3:::" in resource else ""
    if "/" not in path:
        return None
    bucket, key = path.split("/", 1)
    backend = s3_backends[self.account_id][get_partition(self._region)]
    try:
        found = backend.get_object(bucket, key)
    except Exception:  # no such bucket: moto answers that itself
        return None
    return None if found is not None else resource.split(":::", 1)[0] + ":::" + bucket


def _secret_arn(self, resource: str) -> str:
    """moto authorizes Secrets Manager calls against "*"; AWS against the secret's ARN."""
    if resource != "*" or self._service != "secretsmanager":
        return resource
    from moto.secretsmanager.models import secretsmanager_backends

    try:
        secret_id = json.loads(self._body or b"{}").get("SecretId")
    except ValueError:
        return resource
    found = secret_id and secretsmanager_backends[self.account_id][self._region].secrets.get(secret_id)
    return found.arn if found else (secret_id if str(secret_id).startswith("arn:") else resource)


def _check_action_permitted(self, resource: str) -> None:
    resource = _secret_arn(self, resource)
    _allowed(self, self._action, resource, _request_conditions(self))
    # S3 tells a missing object (404) from a forbidden one only to callers that may list the
    # bucket; the GetObject request carries no s3:prefix, so only an unconditioned
    # ListBucket grant counts. Everyone else gets 403 AccessDenied (moto always says 404).
    if self._action == "s3:GetObject":
        bucket = _missing_object(self, resource)
        if bucket is not None:
            _allowed(self, "s3:ListBucket", bucket, {})


access_control.IAMRequestBase.check_action_permitted = _check_action_permitted

_original_authorize = authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action


_PRESIGNED = "Signature=presigned,"


def _authorize(self, iam_request_cls, resource="*"):
    if "Authorization" not in self.headers:
        query = parse_qs(urlparse(self.uri).query)
        credential = (query.get("X-Amz-Credential") or [None])[0]
        if credential:
            headers = self.headers
            self.headers = dict(headers.items())
            self.headers["Authorization"] = (
                f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, {_PRESIGNED}"
            )
            token = (query.get("X-Amz-Security-Token") or [None])[0]
            if token:
                self.headers["X-Amz-Security-Token"] = token
            try:
                return _original_authorize(self, iam_request_cls, resource)
            finally:
                self.headers = headers
    return _original_authorize(self, iam_request_cls, resource)


_original_signature = access_control.IAMRequestBase.check_signature


def _check_signature(self) -> None:
    if self._headers.get("Authorization", "").endswith(_PRESIGNED):
        return
    _original_signature(self)


access_control.IAMRequestBase.check_signature = _check_signature
authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
