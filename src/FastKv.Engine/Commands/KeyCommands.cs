namespace FastKv.Engine.Commands;
public static class KeyCommands { public static void Register(CommandTable t) { } }
