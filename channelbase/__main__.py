from channelbase.cli import main

main()
