"""An example third-party turnout plugin: the ``example-echo`` runtime.

The echo service answers ``POST {base}/chat`` with a server-sent event stream that repeats the
last user message word by word. The plugin gates on the provider package
``@turnout-example/echo``, lowers requests to that endpoint and parses the stream into events.
"""

RUNTIME_ID = "example-echo"
"""The runtime this plugin owns."""
PACKAGE = "@turnout-example/echo"
"""The provider package (``npm`` in the configuration) this runtime serves."""
