"""Infrastructure: persistence settings, subscriptions, engines, people store, composition root."""
