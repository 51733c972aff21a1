"""Constants of the microdata test sample (imported by conftest and the tests)."""

SAMPLE = ["1103", "3107", "4001", "1151"]   # Stavanger, Fredrikstad, Porsgrunn, Utsira
SEED = 424242
KEY = b"test-only-pseudonym-key-0123456789"
