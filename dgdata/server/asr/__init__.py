"""Speech recognition: pocketsphinx decoders, whole recordings and live streams.

* :mod:`.engine`: recognise a whole 16 kHz recording (:func:`~.engine.recognize`), the decoder
  pool and the ``Word`` results;
* :mod:`.decoder`: pocketsphinx settings, the bounded thread-safe :class:`~.decoder.DecoderPool`;
* :mod:`.processes`: whole recordings recognised in worker processes (pocketsphinx holds the GIL),
  which end with the server however it ends (:mod:`.worker_guard`);
* :mod:`.recording`: one channel (or the mixdown) of a recording recognised straight from its
  media, block by block, so that memory stays bounded whatever its length;
* :mod:`.streaming` and :mod:`.vad`: live recognition, interim and final results, energy VAD;
* :mod:`.live_engine`: the small interface a live stream uses (audio in, events out).

Nothing here knows HTTP; :mod:`dgdata.server.listen` turns words into Deepgram's answers.
"""
