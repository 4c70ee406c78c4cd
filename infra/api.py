"""The approval page's REST API: `GET`, `HEAD` and `POST /a/{token}`, proxied to the approval_api function.

The path carries the one-time approval link, so nothing here may log it: access logs
record the resource template (`/a/{token}`), never the request path, and execution
logging stays off.
"""

from __future__ import annotations

import json

from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.nag import acknowledge

STAGE = "v1"
METHODS = ("GET", "HEAD", "POST")
LINK_RESOURCE = ("a", "{token}")
# Each approver opens a page and clicks once; these limits leave room for email scanners and retries.
THROTTLE_RATE_PER_S = 10
THROTTLE_BURST = 20
# `$context.resourcePath` is the template `/a/{token}`; `$context.path` would be the secret link.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "responseLatency": "$context.responseLatency",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "xrayTraceId": "$context.xrayTraceId",
    "errorMessage": "$context.error.message",
}

_NO_AUTHORIZER = (
    "The approval link is the credential: a signed, expiring, one-time 256-bit token that the approval_api "
    "function verifies (approver, four eyes, CSRF, Origin) before anything is decided; approvers are "
    "external email recipients with no AWS or Cognito identity."
)


class ApprovalApi(Construct):
    """A regional REST API whose base URL is known before the function that serves it exists (no cycle)."""

    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, retention: logs.RetentionDays) -> None:
        super().__init__(scope, id)
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=retention, encryption_key=key)
        self.api = apigw.RestApi(
            self,
            "Api",
            description="Capstan approval page: one-time links emailed to approvers",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.OFF,
                data_trace_enabled=False,
                throttling_rate_limit=THROTTLE_RATE_PER_S,
                throttling_burst_limit=THROTTLE_BURST,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        stack = Stack.of(self)
        # Built from the API id and the stage name rather than `api.url`, which would make the function
        # (whose environment holds it) depend on the stage, which depends on the function's methods.
        self.url = f"https://{self.api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}/{STAGE}"
        acknowledge(
            self.api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-level role that lets API Gateway write access logs; AWS's service-role policy is "
            "the documented one and is assumable only by apigateway.amazonaws.com.",
        )
        acknowledge(
            self.api,
            "AwsSolutions-APIG6",
            "Execution logs would record the method request path, which is the one-time approval link; "
            "access logs (resource template only) and the ledger's audit entry for every attempt stand in.",
        )
        acknowledge(
            self.api,
            "AwsSolutions-APIG3",
            "No WAF: stage throttling caps the request rate and a 256-bit signed one-time link cannot be "
            "guessed; a web ACL can be attached centrally (Firewall Manager) without changing this stack.",
        )

    def serve(self, handler: lambda_.IFunction) -> apigw.Resource:
        """Route `GET`, `HEAD` and `POST /a/{token}` to the approval function (Lambda proxy integration)."""
        validator = self.api.add_request_validator("LinkValidator", validate_request_parameters=True, validate_request_body=True)
        resource = self.api.root
        for part in LINK_RESOURCE:
            resource = resource.add_resource(part)
        integration = apigw.LambdaIntegration(handler, proxy=True, allow_test_invoke=False)
        for method in METHODS:
            resource.add_method(
                method,
                integration,
                authorization_type=apigw.AuthorizationType.NONE,
                request_parameters={"method.request.path.token": True},
                request_validator=validator,
            )
        acknowledge(resource, "AwsSolutions-APIG4", _NO_AUTHORIZER)
        acknowledge(resource, "AwsSolutions-COG4", _NO_AUTHORIZER)
        return resource

    def serve_github(self, handler: lambda_.IFunction) -> apigw.Resource:
        """Route `POST /github/push` (GitHub's webhook) to the relay function."""
        resource = self.api.root.add_resource("github").add_resource("push")
        resource.add_method(
            "POST", apigw.LambdaIntegration(handler, proxy=True, allow_test_invoke=False), authorization_type=apigw.AuthorizationType.NONE
        )
        reason = (
            "GitHub cannot sign requests with IAM or Cognito; the function checks X-Hub-Signature-256, an HMAC of the "
            "raw body under the webhook secret, before anything is put on the bus."
        )
        acknowledge(resource, "AwsSolutions-APIG4", reason)
        acknowledge(resource, "AwsSolutions-COG4", reason)
        return resource
