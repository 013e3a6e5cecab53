#!/usr/bin/env bash
# Calls a model through its sidecar with a priority, over HTTP (KServe v2 and OpenAI-compatible)
# and gRPC. Set HOST to the InferenceService's address (e.g. from `kubectl get isvc llama-chat`);
# the defaults reach a local demo (model-sim behind the sidecar).
set -euo pipefail
HOST=${HOST:-127.0.0.1:8080}
GRPC_HOST=${GRPC_HOST:-127.0.0.1:8081}
MODEL=${MODEL:-demo}

# KServe v2 REST, HIGH priority, 2 s deadline. The answer carries x-aim-queue-wait-ms.
curl -sS -i "http://$HOST/v2/models/$MODEL/infer" \
  -H 'content-type: application/json' \
  -H 'x-aim-priority: high' \
  -H 'x-aim-deadline-ms: 2000' \
  -d '{"inputs":[{"name":"input-0","shape":[1,4],"datatype":"FP32","data":[1.0,2.0,3.0,4.0]}]}'

# OpenAI-compatible chat completion, streamed token by token, LOW priority for a batch tenant.
curl -sS -N "http://$HOST/v1/chat/completions" \
  -H 'content-type: application/json' \
  -H 'x-aim-priority: low' \
  -H 'x-aim-tenant: batch-jobs' \
  -d "{\"model\":\"$MODEL\",\"stream\":true,\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"

# gRPC (KServe v2 GRPCInferenceService); priority and deadline travel as metadata.
if command -v grpcurl >/dev/null 2>&1; then
  PROTO_DIR=$(cd "$(dirname "$0")/../../model-sim/src/main/proto" && pwd)
  grpcurl -plaintext -max-time 2 -import-path "$PROTO_DIR" -proto grpc_service.proto \
    -H 'x-aim-priority: medium' \
    -d "{\"model_name\":\"$MODEL\",\"inputs\":[{\"name\":\"input-0\",\"datatype\":\"FP32\",\"shape\":[1,4],\"contents\":{\"fp32_contents\":[1,2,3,4]}}]}" \
    "$GRPC_HOST" inference.GRPCInferenceService/ModelInfer
fi
# A shed request answers 429 with Retry-After and a JSON body such as
#   {"error":"shed","reason":"queue_full","priority":"low","model":"llama-chat","retryAfterMs":2000}
