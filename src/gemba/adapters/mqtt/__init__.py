"""MQTT transport of the outbox: publisher, persistent consumers and the background relay."""
