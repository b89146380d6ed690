"""Messages to people: channels (console, SMS over HTTP) and, later, the outbox that feeds them."""
