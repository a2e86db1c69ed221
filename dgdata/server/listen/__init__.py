"""What ``/v1/listen`` and ``/v1/read`` do between the request and the engines.

* :mod:`.options`: the listen query options, parsed and checked;
* :mod:`.sources`: where media comes from (the body, or a URL the server fetches);
* :mod:`.uploads`: audio bodies spooled to a temporary file as they arrive;
* :mod:`.prerecorded`: a whole recording in, the listen response out;
* :mod:`.live_session`: one live WebSocket stream after the handshake (the wire protocol);
* :mod:`.response`, :mod:`.formatting`, :mod:`.numbers`: Deepgram's answer shapes, punctuation,
  smart formatting, numerals;
* :mod:`.summaries`: the local extractive summariser;
* :mod:`.callbacks`: requests with ``callback=URL``, worked in the background and delivered.
"""
