"""The service shell: settings, topics, the Faust app, REST views, CLI, Python client, embedded broker."""
