"""Support code for the tests: real databases and servers, generated seed data, shared
assertions, and the operations read from the OpenAPI document."""
