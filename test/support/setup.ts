// Tests must never touch a developer's own Gatekey profile.
delete process.env.GATEKEY_HOME;
delete process.env.BROWSER;
