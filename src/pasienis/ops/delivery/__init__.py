"""Delivery of messages to units (outbox, WebSocket, MQTT) and live events to dispatchers."""
