"""The Content Service on Kafka: the ``image-generation-job`` intake, its dead-letter topic, and the jobs' status
events (an outbox written in each job's own transaction, sent by an idempotent producer). docs/kafka.md."""
