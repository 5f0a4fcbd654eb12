"""Test support shared by every test folder: a clock the test moves (`clock.FakeClock`) and a
bounded wait for work done on other threads or processes (`waiting.wait_until`)."""
