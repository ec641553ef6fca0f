"""The Discord side: client, command tree, cogs and views. The only package that talks to Discord."""
