"""rasa-sdk glue: read slots and channel metadata, call bot.disputes services, emit events."""
