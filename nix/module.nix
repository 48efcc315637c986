# NixOS module for upgrade-bot: a timer that runs the cron mode, and optionally the webhook server.
#
#   imports = [ /path/to/upgrade-bot/nix/module.nix ];
#   services.upgrade-bot = {
#     enable = true;
#     src = /path/to/upgrade-bot;                       # a checkout of this repository
#     settings.builder = "local";                       # build on this host
#     environmentFile = "/run/secrets/upgrade-bot.env"; # FORGE_TOKEN=... (and WEBHOOK_SECRET=...)
#   };
{ config, lib, pkgs, ... }:
let
  cfg = config.services.upgrade-bot;
  yaml = pkgs.formats.yaml { };
  configFile = yaml.generate "upgrade-bot.yaml" cfg.settings;
  # Deno fetches the npm packages pinned by deno.lock once, into the state directory. -P: only the
  # permissions deno.json declares (the programs below, the network, files and variables).
  bot = args: "${lib.getExe cfg.deno} run -P --frozen ${cfg.src}/bot.ts ${lib.escapeShellArgs args}";
  common = {
    path = [ config.nix.package pkgs.git pkgs.openssh pkgs.gnutar pkgs.coreutils pkgs.bash ];
    environment = {
      DENO_DIR = "/var/lib/upgrade-bot/deno";
      HOME = "/var/lib/upgrade-bot";
      TMPDIR = "/var/lib/upgrade-bot/tmp";
    };
    serviceConfig = {
      User = cfg.user;
      Group = cfg.group;
      StateDirectory = "upgrade-bot";
      EnvironmentFile = cfg.environmentFile;
      WorkingDirectory = "/var/lib/upgrade-bot";
      ExecStartPre = "${pkgs.coreutils}/bin/mkdir -p /var/lib/upgrade-bot/tmp";
    };
  };
in
{
  options.services.upgrade-bot = {
    enable = lib.mkEnableOption "upgrade-bot, which keeps a from-source Nix build current";
    src = lib.mkOption {
      type = lib.types.path;
      description = "A checkout of the upgrade-bot repository (bot.ts, lib/, deno.json, deno.lock).";
    };
    deno = lib.mkPackageOption pkgs "deno" { };
    settings = lib.mkOption {
      type = yaml.type;
      default = { };
      description = "upgrade-bot.yaml as Nix (see docs/configuration.md).";
    };
    environmentFile = lib.mkOption {
      type = lib.types.str;
      description = "A file with FORGE_TOKEN=... (and WEBHOOK_SECRET=... for serve), kept out of the store.";
    };
    schedule = lib.mkOption {
      type = lib.types.str;
      default = "hourly";
      description = "When the cron mode runs (systemd OnCalendar).";
    };
    user = lib.mkOption {
      type = lib.types.str;
      default = "upgrade-bot";
      description = "The user the bot runs as; it needs ssh access to the build host, or Nix here.";
    };
    group = lib.mkOption {
      type = lib.types.str;
      default = "upgrade-bot";
    };
    serve = {
      enable = lib.mkEnableOption "the webhook server for /rebuild comments";
      port = lib.mkOption {
        type = lib.types.port;
        default = 8787;
      };
      host = lib.mkOption {
        type = lib.types.str;
        default = "127.0.0.1";
        description = "Where to listen; put a reverse proxy in front to reach it from the forge.";
      };
    };
  };

  config = lib.mkIf cfg.enable {
    users.users.${cfg.user} = lib.mkIf (cfg.user == "upgrade-bot") {
      isSystemUser = true;
      group = cfg.group;
      home = "/var/lib/upgrade-bot";
    };
    users.groups.${cfg.group} = lib.mkIf (cfg.group == "upgrade-bot") { };

    systemd.services.upgrade-bot = lib.recursiveUpdate common {
      description = "upgrade-bot cron run";
      serviceConfig.Type = "oneshot";
      serviceConfig.ExecStart = bot [ "run" "--config" configFile ];
    };
    systemd.timers.upgrade-bot = {
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = cfg.schedule;
        Persistent = true;
        RandomizedDelaySec = "5m";
      };
    };

    systemd.services.upgrade-bot-serve = lib.mkIf cfg.serve.enable (lib.recursiveUpdate common {
      description = "upgrade-bot webhook server";
      wantedBy = [ "multi-user.target" ];
      after = [ "network-online.target" ];
      wants = [ "network-online.target" ];
      serviceConfig.ExecStart = bot [
        "serve"
        "--port"
        (toString cfg.serve.port)
        "--host"
        cfg.serve.host
        "--config"
        configFile
      ];
      serviceConfig.Restart = "on-failure";
    });
  };
}
