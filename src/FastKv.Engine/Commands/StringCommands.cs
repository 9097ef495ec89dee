namespace FastKv.Engine.Commands;
public static class StringCommands { public static void Register(CommandTable t) { } }
