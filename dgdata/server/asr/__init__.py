"""Speech recognition: Whisper or pocketsphinx, whole recordings and live streams.

* :mod:`.choice`: which engine a process recognises with (``auto``: Whisper where faster-whisper
  and weights are installed, else pocketsphinx), the Whisper model loaded once per process;
* :mod:`.whisper`: Whisper through faster-whisper (CTranslate2, int8), its written words turned
  into Deepgram's spoken form by :mod:`.spoken`, their times re-aligned by pocketsphinx;
* :mod:`.engine`: recognise a whole 16 kHz recording (:func:`~.engine.recognize`), the decoder
  pool and the ``Word`` results;
* :mod:`.decoder`: pocketsphinx settings, the bounded thread-safe :class:`~.decoder.DecoderPool`;
* :mod:`.processes`: whole recordings recognised in worker processes (pocketsphinx holds the GIL),
  which end with the server however it ends (:mod:`.worker_guard`);
* :mod:`.recording`: one channel (or the mixdown) of a recording recognised straight from its
  media, block by block, so that memory stays bounded whatever its length;
* :mod:`.streaming` and :mod:`.vad`: live recognition, interim and final results, energy VAD;
  :mod:`.whisper_stream`: the same on Whisper, interims that converge on the final;
* :mod:`.live_engine`: the small interface a live stream uses (audio in, events out).

Nothing here knows HTTP; :mod:`dgdata.server.listen` turns words into Deepgram's answers.
"""
