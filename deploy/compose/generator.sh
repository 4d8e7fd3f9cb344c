#!/bin/sh
# docker-compose.yml's one-shot `generator`: a synthetic bank, generated and
# replayed into the stack with the carestream image's own `generate` and
# `replay`, so that the service, Prometheus and Grafana have something to show.
#
#   sh generator.sh [CUSTOMERS] [DAYS]      (compose passes 1000 60)
#
# Runs in the carestream image (WORKDIR /app) with the service's connection
# settings. A second `docker compose up` finds the records already in Kafka and
# does nothing: the same events again would only be dead-lettered as LATE.
# `docker compose down` discards Kafka's data, and the next `up` replays anew.
set -eu
cd /app

customers="${1:-1000}"
days="${2:-60}"

# Any record on the transactions topic means a generator ran before. kafkajs
# directly, so this check does not depend on the CLI's options.
if node --input-type=module -e "
import { Kafka, logLevel } from 'kafkajs';
const admin = new Kafka({ clientId: 'carestream-generator', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
await admin.connect();
const offsets = await admin.fetchTopicOffsets('bank.transactions.v1').catch(() => []);
await admin.disconnect();
process.exit(offsets.some((o) => Number(o.high) > 0) ? 0 : 1);
"; then
  echo "generator: bank.transactions.v1 already has records; nothing to do (docker compose down starts over)"
  exit 0
fi

# The history ends yesterday: events later than now would be refused as from the future.
start="$(date -u -d "-$((days + 1)) days" +%F)"
echo "generator: $customers customers over $days days from $start"
node bin/carestream.mjs generate --customers "$customers" --days "$days" --start "$start" --out /tmp/bank.jsonl --labels /tmp/labels.json
node bin/carestream.mjs replay /tmp/bank.jsonl
echo "generator: done; dashboards at http://localhost:3000, the agent API at http://localhost:9464/v1"
