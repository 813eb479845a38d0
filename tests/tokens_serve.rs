//! Issue 26: one-time enrolment tokens against a real `cert serve`. `cert token create` prints
//! the token alone; `cert token list` never shows it; the store keeps only its hash. Agents
//! present a token in the CSR's challengePassword attribute: `cert agent --token`, and the
//! real Puppet 7 agent (and Puppet 8 from the trixie tree) through `csr_attributes.yaml`'s
//! `custom_attributes`. A good token signs whatever `autosign` says; a used-up, expired,
//! revoked, unknown or non-matching one leaves the request pending with the reason, which
//! `cert list` and `cert autosign check` show and the agent never hears; an admin name is never
//! signed by a token. The admin HTTP endpoint (`/puppet-ca/v1/tokens`) makes, lists and
//! revokes tokens for admins only; every create, use, refusal and revoke is in `cert log`.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::hosts::{text, CertAgent, PuppetAgent};
use common::serve::{client, strs, world_with_ca, Server};
use common::trixie::{self, Release};
use common::World;

/// `cert token create ARGS`: the token, checked to be the only line on stdout.
fn create(world: &World, args: &[&str]) -> String {
    let mut all = vec!["token", "create"];
    all.extend_from_slice(args);
    let stdout = world.ok(&all);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "the token alone on stdout: {stdout:?}");
    let token = lines[0].to_owned();
    assert!(
        token.starts_with("cert-") && token.len() == 5 + 64,
        "{token:?}"
    );
    token
}

/// The id `cert token list --format json` gives the token whose glob and comment are these.
fn id_of(world: &World, comment: &str) -> String {
    let listed: serde_json::Value =
        serde_json::from_str(&world.ok(&["--format", "json", "token", "list"])).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .find(|token| token["comment"] == comment)
        .and_then(|token| token["id"].as_str())
        .unwrap_or_else(|| panic!("no token commented {comment:?}: {listed}"))
        .to_owned()
}

/// `cert agent --onetime --waitforcert 0 --token TOKEN` for `name`: whether it got a
/// certificate, and its output.
fn cert_agent(world: &World, server: &Server, name: &str, token: &str) -> (bool, String) {
    let agent = CertAgent::new(world, name);
    let output = agent.run(server, &["--waitforcert", "0", "--token", token]);
    let signed = agent.ssl(&format!("certs/{name}.pem")).exists();
    (signed, text(&output))
}

/// The line of `cert list` (pending requests with their autosign verdict) about `name`.
fn pending_line(world: &World, name: &str) -> String {
    let listing = world.ok(&["list"]);
    listing
        .lines()
        .find(|line| line.contains(name))
        .unwrap_or_else(|| panic!("{name} not pending: {listing}"))
        .to_owned()
}

#[test]
fn tokens_sign_what_they_grant_once_and_leave_the_rest_pending_with_the_reason() {
    if !(common::require_peer("curl") && common::require_peer("openssl")) {
        return;
    }
    // Autosign off (Puppet's default): only tokens sign here.
    let world = world_with_ca("");
    let one_use = create(
        &world,
        &["web*.example.com", "--comment", "one use", "--ttl", "2h"],
    );
    let listing = world.ok(&["token", "list"]);
    assert!(listing.contains("web*.example.com") && listing.contains("one use"));
    assert!(!listing.contains(&one_use[5..]), "{listing}");
    // The store keeps a hash, 0600; never the token.
    let file = world.ca(".enrolment-tokens");
    let stored = std::fs::read_to_string(&file).unwrap();
    assert!(!stored.contains(&one_use[5..]));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // Bad input: one line, nothing made.
    for args in [
        &["token", "create", "Web*.example.com"][..],
        &["token", "create", "*.example.com", "--uses", "0"],
        &["token", "create", "*.example.com", "--ttl", "soon"],
        &["token", "revoke", "000000000000"],
    ] {
        let (code, _, stderr) = world.fails(args);
        assert_ne!(code, 0);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
    assert_eq!(
        world
            .ok(&["--format", "json", "token", "list"])
            .matches("\"id\"")
            .count(),
        1
    );

    let admin = "admin.example.com";
    let mut server = Server::start(&world, &["--admin", admin]);

    // A good token signs, once.
    let (signed, output) = cert_agent(&world, &server, "web1.example.com", &one_use);
    assert!(signed, "{output}\n{}", server.log_text());
    let (signed, output) = cert_agent(&world, &server, "web2.example.com", &one_use);
    assert!(!signed, "{output}");
    // The agent hears nothing about the token.
    assert!(
        !output.contains("used up") && !output.contains("token"),
        "{output}"
    );
    assert!(pending_line(&world, "web2.example.com").contains("used up"));
    let (code, check, _) = world.fails(&["autosign", "check", "web2.example.com"]);
    assert_eq!(code, 1);
    assert!(check.contains("used up"), "{check}");

    // Not a name it grants.
    let web = create(&world, &["web*.example.com", "--uses", "5"]);
    let (signed, _) = cert_agent(&world, &server, "db1.example.com", &web);
    assert!(!signed);
    assert!(pending_line(&world, "db1.example.com").contains("does not match"));
    // A token never signs an admin name, even `*`.
    let everything = create(&world, &["*", "--uses", "5", "--comment", "everything"]);
    let (signed, _) = cert_agent(&world, &server, admin, &everything);
    assert!(!signed);
    assert!(world.ca(&format!("requests/{admin}.pem")).exists());
    // Expired.
    let short = create(&world, &["*.example.com", "--ttl", "1s"]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let (signed, _) = cert_agent(&world, &server, "web3.example.com", &short);
    assert!(!signed);
    assert!(pending_line(&world, "web3.example.com").contains("expired"));
    // Revoked.
    let revoked = create(&world, &["*.example.com", "--comment", "to revoke"]);
    let id = id_of(&world, "to revoke");
    assert!(world.ok(&["token", "revoke", &id]).contains(&id));
    let (signed, _) = cert_agent(&world, &server, "web4.example.com", &revoked);
    assert!(!signed);
    assert!(pending_line(&world, "web4.example.com").contains("revoked"));
    // Unknown (a token's shape, never made).
    let unknown = format!("cert-{}", "0".repeat(64));
    let (signed, _) = cert_agent(&world, &server, "web5.example.com", &unknown);
    assert!(!signed);
    assert!(pending_line(&world, "web5.example.com").contains("unknown"));
    // Still through the issuance policy: alt names without allow-subject-alt-names are held
    // for an administrator (400 with the policy's reason, as for autosign), and no use is
    // spent on them.
    let alt = create(&world, &["alt*.example.com", "--comment", "alt names"]);
    let agent = CertAgent::new(&world, "alt1.example.com");
    let output = agent.run(
        &server,
        &[
            "--waitforcert",
            "0",
            "--token",
            &alt,
            "--dns_alt_names",
            "extra.example.com",
        ],
    );
    assert!(
        !agent.ssl("certs/alt1.example.com.pem").exists(),
        "{}",
        text(&output)
    );
    let listed = world.ok(&["--format", "json", "token", "list"]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let alt_record = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|token| token["comment"] == "alt names")
        .unwrap();
    assert_eq!(alt_record["uses_left"], 1, "{alt_record}");
    // A multi-use token signs several names.
    let (signed, _) = cert_agent(&world, &server, "web6.example.com", &web);
    assert!(signed);
    let (signed, _) = cert_agent(&world, &server, "web7.example.com", &web);
    assert!(signed);

    // autosign_tokens = false: tokens grant nothing.
    server.stop();
    let config = std::fs::read_to_string(&world.config).unwrap();
    std::fs::write(&world.config, format!("{config}autosign_tokens = false\n")).unwrap();
    let mut server = Server::start(&world, &[]);
    let (signed, _) = cert_agent(&world, &server, "web8.example.com", &web);
    assert!(!signed);
    assert!(!pending_line(&world, "web8.example.com").contains("token"));
    server.stop();
    std::fs::write(&world.config, &config).unwrap();

    // Every create, use, refusal and revoke in the audit trail; the signer of a token's
    // certificate is the token.
    let log = world.ok(&["log"]);
    for what in ["token-create", "token-use", "token-revoke", "token:"] {
        assert!(log.contains(what), "{what} not in cert log:\n{log}");
    }
    assert!(!log.contains(&one_use[5..]));
}

#[test]
fn the_admin_endpoint_makes_lists_and_revokes_tokens_for_admins_only() {
    if !(common::require_peer("curl") && common::require_peer("openssl")) {
        return;
    }
    let world = world_with_ca("");
    let mut server = Server::start(&world, &[]);
    let admin = client(&world.ssldir, "ca.test");
    let admin = strs(&admin);
    let body = world.path().join("token.json");
    let post = |json: &str, args: &[&str]| {
        std::fs::write(&body, json).unwrap();
        server.send(
            "POST",
            "/puppet-ca/v1/tokens",
            "application/json",
            &body,
            args,
        )
    };
    let (status, reply) = post(
        r#"{"glob": "web*.example.com", "ttl": "2h", "uses": 2, "comment": "terraform"}"#,
        &admin,
    );
    assert_eq!(status, 201, "{reply}");
    let made: serde_json::Value = serde_json::from_str(&reply).unwrap();
    let token = made["token"].as_str().unwrap().to_owned();
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(made["uses_left"], 2);
    assert_eq!(made["created_by"], "client:ca.test");

    // Not for anyone else; bad bodies are 400s; nothing made by them.
    let (status, _) = post(r#"{"glob": "*"}"#, &[]);
    assert!(status == 401 || status == 403, "{status}");
    for bad in [
        r#"{"ttl": "2h"}"#,
        r#"{"glob": "Web*"}"#,
        r#"{"glob": "*", "uses": -1}"#,
        r#"{"glob": "*", "ttl": 7}"#,
        "not json",
    ] {
        let (status, reply) = post(bad, &admin);
        assert_eq!(status, 400, "{bad}: {reply}");
    }
    let (status, listed) = server.get("/puppet-ca/v1/tokens", &admin);
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&token[5..]));
    let (status, _) = server.get("/puppet-ca/v1/tokens", &[]);
    assert!(status == 401 || status == 403, "{status}");

    // The token works for an agent.
    let (signed, output) = cert_agent(&world, &server, "web1.example.com", &token);
    assert!(signed, "{output}");

    // Revoked over HTTP: 200 with the record, then 404 for an unknown id.
    let revoke = |id: &str| {
        server.curl(&format!("/puppet-ca/v1/tokens/{id}"), &{
            let mut args = vec!["-X", "DELETE"];
            args.extend_from_slice(&admin);
            args
        })
    };
    let (status, reply) = revoke(&id);
    assert_eq!(status, 200, "{reply}");
    assert!(reply.contains("\"revoked\""), "{reply}");
    let (status, _) = revoke("000000000000");
    assert_eq!(status, 404);
    let (signed, _) = cert_agent(&world, &server, "web2.example.com", &token);
    assert!(!signed);
    assert!(pending_line(&world, "web2.example.com").contains("revoked"));
    server.stop();
}

/// `csr_attributes.yaml` in a Puppet agent's confdir with `token` as challengePassword.
fn write_csr_attributes(agent: &PuppetAgent, token: &str) {
    let conf = agent.root.join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("csr_attributes.yaml"),
        format!("---\ncustom_attributes:\n  1.2.840.113549.1.9.7: \"{token}\"\n"),
    )
    .unwrap();
}

/// A Puppet agent of `release` for `name` presenting `token`, bootstrapped once (RSA 2048:
/// short key generation): whether it got its certificate.
fn puppet_bootstrap(
    release: &Release,
    world: &World,
    server: &Server,
    name: &str,
    token: &str,
) -> (bool, String) {
    let agent = PuppetAgent::of(release, world, name);
    write_csr_attributes(&agent, token);
    let output = agent.puppet(
        server,
        &[
            "ssl",
            "bootstrap",
            "--waitforcert",
            "0",
            "--keylength",
            "2048",
        ],
    );
    let signed = agent.ssl(&format!("certs/{name}.pem")).exists();
    (signed, text(&output))
}

/// The Puppet agent of `release` (`tag` names its hosts apart) against `server`: a good token
/// signs once, the second agent with it stays pending, another domain does not match.
fn puppet_agents_present_tokens(release: &Release, tag: &str, world: &World, server: &Server) {
    let glob = format!("web*.{tag}.example.com");
    let token = create(world, &[&glob]);
    let first = format!("web1.{tag}.example.com");
    let (signed, output) = puppet_bootstrap(release, world, server, &first, &token);
    assert!(signed, "{output}\n{}", server.log_text());
    let second = format!("web2.{tag}.example.com");
    let (signed, output) = puppet_bootstrap(release, world, server, &second, &token);
    assert!(!signed, "{output}");
    assert!(pending_line(world, &second).contains("used up"));
    let other = create(world, &[&glob, "--uses", "3"]);
    let db = format!("db1.{tag}.example.com");
    let (signed, _) = puppet_bootstrap(release, world, server, &db, &other);
    assert!(!signed);
    assert!(pending_line(world, &db).contains("does not match"));
}

#[test]
fn the_puppet_agent_presents_a_token_from_csr_attributes() {
    if !(common::require_peer("puppet") && common::require_peer("openssl")) {
        return;
    }
    let world = world_with_ca("");
    let mut server = Server::start(&world, &[]);
    puppet_agents_present_tokens(&Release::Bookworm, "p7", &world, &server);
    if let Some(release) = trixie::require() {
        puppet_agents_present_tokens(&release, "p8", &world, &server);
    }
    server.stop();
}
